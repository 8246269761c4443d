from fuwu.cli import main

main()
