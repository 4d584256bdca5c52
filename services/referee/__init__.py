"""The referee: scores every sector's siloed and fused decisions against the ground truth."""
