"""social/routes"""
