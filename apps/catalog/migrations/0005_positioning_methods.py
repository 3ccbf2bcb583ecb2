"""Modules state their positioning methods (a list) instead of a yes/no GNSS flag: a GNSS
module positions by satellite and by the cellular network, any other by the network."""

from django.db import migrations

FORWARD = """
UPDATE catalog_offering
SET attributes = (attributes - 'gnss') || jsonb_build_object(
    'positioning',
    CASE WHEN attributes->>'gnss' = 'true' THEN '["gnss", "cellular"]'::jsonb
         ELSE '["cellular"]'::jsonb END
)
WHERE attributes ? 'gnss'
"""
BACKWARD = """
UPDATE catalog_offering
SET attributes = (attributes - 'positioning') || jsonb_build_object(
    'gnss', coalesce(attributes->'positioning' ? 'gnss', false)
)
WHERE kind_id = 'module' AND attributes ? 'positioning'
"""


class Migration(migrations.Migration):
    dependencies = [("catalog", "0004_protocols")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
