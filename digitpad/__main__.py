from digitpad.cli import main

raise SystemExit(main())
