"""Background work: the jobs, the notification outbox, and the engines that run them."""
