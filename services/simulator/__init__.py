"""The world simulator: a seeded, deterministic Jiangxi that knows the ground truth."""
