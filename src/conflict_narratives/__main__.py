from conflict_narratives.cli import app

app(prog_name="conflict-narratives")
