"""The partnership issue log: issues raised by the partnership, and repeated crises raised from
tracking's flags."""
