"""Stage 6: executed notebooks, figures and an index page per corpus."""

from conflict_narratives.report.build import (
    KERNEL,
    MAX_CSV_ROWS,
    SECTIONS,
    TABLE_CAPTIONS,
    Section,
    broken_links,
    build,
    execute_notebook,
    export_html,
    export_tables,
    notebooks_dir,
    report_name,
    table_caption,
    write_index,
)

