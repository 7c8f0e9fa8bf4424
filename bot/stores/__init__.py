"""Where the Rasa server keeps conversations and their locks.

``tracker_database`` (the database URL and Rasa's ``events`` table as SQLAlchemy
Core sees it) imports nothing of Rasa: the retention job (``python -m
bot.retention``) deletes rows with it without loading Rasa.
"""
