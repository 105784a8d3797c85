from searchtui.cli import main

raise SystemExit(main())
