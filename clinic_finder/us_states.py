"""US state, district, territory and military "state" codes with their names.

No maintained package for this is installed (`zipcodes` carries the codes but not the names, and `us` is not
a dependency), so the table is written out here. Source: USPS Publication 28, "Postal Addressing Standards",
Appendix B (two-letter state and possession abbreviations). The codes are the same set that `zipcodes` uses;
tests/test_geo.py checks that the two agree.
"""

from __future__ import annotations

from types import MappingProxyType

STATE_NAMES = MappingProxyType(
    {
        "AL": "Alabama",
        "AK": "Alaska",
        "AZ": "Arizona",
        "AR": "Arkansas",
        "CA": "California",
        "CO": "Colorado",
        "CT": "Connecticut",
        "DE": "Delaware",
        "DC": "District of Columbia",
        "FL": "Florida",
        "GA": "Georgia",
        "HI": "Hawaii",
        "ID": "Idaho",
        "IL": "Illinois",
        "IN": "Indiana",
        "IA": "Iowa",
        "KS": "Kansas",
        "KY": "Kentucky",
        "LA": "Louisiana",
        "ME": "Maine",
        "MD": "Maryland",
        "MA": "Massachusetts",
        "MI": "Michigan",
        "MN": "Minnesota",
        "MS": "Mississippi",
        "MO": "Missouri",
        "MT": "Montana",
        "NE": "Nebraska",
        "NV": "Nevada",
        "NH": "New Hampshire",
        "NJ": "New Jersey",
        "NM": "New Mexico",
        "NY": "New York",
        "NC": "North Carolina",
        "ND": "North Dakota",
        "OH": "Ohio",
        "OK": "Oklahoma",
        "OR": "Oregon",
        "PA": "Pennsylvania",
        "RI": "Rhode Island",
        "SC": "South Carolina",
        "SD": "South Dakota",
        "TN": "Tennessee",
        "TX": "Texas",
        "UT": "Utah",
        "VT": "Vermont",
        "VA": "Virginia",
        "WA": "Washington",
        "WV": "West Virginia",
        "WI": "Wisconsin",
        "WY": "Wyoming",
        # Possessions and freely associated states
        "AS": "American Samoa",
        "FM": "Federated States of Micronesia",
        "GU": "Guam",
        "MH": "Marshall Islands",
        "MP": "Northern Mariana Islands",
        "PW": "Palau",
        "PR": "Puerto Rico",
        "VI": "Virgin Islands",
        # Military mail
        "AA": "Armed Forces Americas",
        "AE": "Armed Forces Europe",
        "AP": "Armed Forces Pacific",
    }
)
"""Two-letter USPS code -> name, for the 50 states, DC, the possessions and the military mail codes."""
