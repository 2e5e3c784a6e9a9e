"""app.engines"""
