#include "services/scoring/scoring_rules.h"
