"""Where data is: location semantics as data, and the one interpreter that reads them."""
