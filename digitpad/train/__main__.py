from digitpad.train import main

raise SystemExit(main())
