#include "services/scoring/scoring_rules.h"

#include "gtest/gtest.h"
