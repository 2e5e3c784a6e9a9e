"""app.ui"""
