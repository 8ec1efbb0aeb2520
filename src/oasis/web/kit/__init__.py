"""What every route module shares: dependencies, sign-in, errors, templating, CSRF, menus."""
