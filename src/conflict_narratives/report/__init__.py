"""Stage 6: executed notebooks, figures and an index page per corpus."""

from conflict_narratives.report.build import (
    KERNEL,
    SECTIONS,
    broken_links,
    execute_notebook,
    export_html,
    export_tables,
    notebooks_dir,
    table_caption,
    write_index,
    write_report,
)
from conflict_narratives.report.inprocess import available as in_process_available
