-- An officer's corrected priority (NULL: not corrected), training data for the emergency detector.
ALTER TABLE labelled_examples ADD COLUMN IF NOT EXISTS priority text;
