"""core/http"""
