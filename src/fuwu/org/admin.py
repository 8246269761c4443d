# Organisation records change only through fuwu.org.services (one transaction, one timeline event),
# so they are deliberately not registered in the Django admin.
