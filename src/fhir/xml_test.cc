#include "fhir/xml.h"

#include "gtest/gtest.h"
