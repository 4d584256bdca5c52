"""The agriculture service: crop-risk advisories from farm sensors and, when fused, weather."""
