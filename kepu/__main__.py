from kepu.cli import main

main()
