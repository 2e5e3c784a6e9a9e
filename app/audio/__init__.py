"""app.audio"""
