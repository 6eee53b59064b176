from digitpad.train.train import main

raise SystemExit(main())
