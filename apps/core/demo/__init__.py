"""Demo market generator: believable organisations, offerings and demands for `seed_demo`."""
