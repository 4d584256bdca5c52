"""The emergency service (应急管理): response levels, rescue pre-positioning and evacuations."""
