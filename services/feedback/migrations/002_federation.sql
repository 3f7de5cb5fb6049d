-- Federation statistics group unions by federation; aduan.union.registered.v1 carries it, and
-- intake republishes every registration on start, so existing rows fill in from then on.
ALTER TABLE unions ADD COLUMN federation text;
