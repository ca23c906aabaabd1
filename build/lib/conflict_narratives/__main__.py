from conflict_narratives.cli import main

main()
