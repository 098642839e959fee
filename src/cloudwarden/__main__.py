from cloudwarden.cli import main

raise SystemExit(main())
