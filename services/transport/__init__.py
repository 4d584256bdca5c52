"""The transport service (交通运输): road-weather controls on Jiangxi's expressways."""
