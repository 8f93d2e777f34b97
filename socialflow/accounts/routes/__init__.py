"""accounts/routes"""
