"""app.align"""
