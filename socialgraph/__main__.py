from socialgraph.cli import main

main()
