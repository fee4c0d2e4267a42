"""The Finding domain model shared by parsers, the store and the workflow."""
