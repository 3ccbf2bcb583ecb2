"""The platform's reference data (sectors, scenarios, technologies, kinds, certifications, ...).

Hand-written data lives in the Python modules beside this file, the vendored administrative
divisions in regions.json (see NOTICE.regions); `loader.reference_load` upserts it all.
"""
