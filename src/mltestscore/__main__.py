from mltestscore.cli import main

main()
