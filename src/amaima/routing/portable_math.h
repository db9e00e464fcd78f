#pragma once

namespace amaima::routing {

// exp and log1p from IEEE-754 additions, multiplications, divisions and exact scalings
// only. The C library picks its exp/log implementation per CPU (with or without FMA), so
// its last bit differs between machines; the router's features, its training and its
// scores use these instead, which makes a trained weights file byte-identical on every
// machine and a decision's probabilities identical wherever it is replayed.
// Accurate to a few units in the last place.
double PortableExp(double x);
// For x > -1 (NaN for x < -1, -infinity for x == -1).
double PortableLog1p(double x);

}  // namespace amaima::routing
