// QuadraticSoma: a soma model that is not built into somas, added from
// outside through the public API alone (somas/somas.h and somas/kernel_abi.h)
// with a Highway kernel dispatched at run time. The quadratic
// integrate-and-fire neuron (Gerstner, Kistler, Naud, Paninski, Neuronal
// Dynamics, 2014, section 5.3):
//   tau dv/dt = a0 (v - v_rest) (v - v_crit) + R I,
//   a spike when v passes the peak value, then v = v_reset,
// integrated by forward Euler, in absolute mV.
#ifndef SOMAS_EXAMPLES_CUSTOM_MODEL_QIF_H_
#define SOMAS_EXAMPLES_CUSTOM_MODEL_QIF_H_

#include "somas/somas.h"

namespace qif {

// The schema (parameters, rules, state, derivation) and the kernel.
somas::ModelSpec QuadraticSomaSpec();

// The built-in registry with QuadraticSoma added.
somas::Registry RegistryWithQuadraticSoma();

}  // namespace qif

#endif  // SOMAS_EXAMPLES_CUSTOM_MODEL_QIF_H_
