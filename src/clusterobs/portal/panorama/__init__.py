"""Portal pages of the Cluster Panorama editions (issue 5 §4): list, downloads, change log."""
