"""video/routes"""
