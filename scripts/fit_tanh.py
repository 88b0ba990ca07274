"""Fits the rational approximation of tanh used by Vigil's FastMath.tanh.

tanh(x) ~ x * P(x^2) / Q(x^2) on |x| <= 7.9053 (beyond which float32 tanh rounds to +-1),
P of degree 6 and Q of degree 3 in x^2, by nonlinear least squares on the relative error
with Lawson-style reweighting toward the worst points. Prints the float32 coefficients and
the float32 evaluation's maximum relative error on [-10, 10].

Run: python3 scripts/fit_tanh.py   (needs numpy and scipy; development only)
"""
import numpy as np
from scipy.optimize import least_squares
c = 9.010913  # float32 tanh rounds to 1 beyond atanh(1 - 2**-25)
x = np.concatenate([np.linspace(1e-4, 1, 3000), np.linspace(1, c, 6000)])
t = x*x; y = np.tanh(x)
npn, nq = 7, 4  # P: 7 coeffs in t; Q: 4 coeffs in t (Q0 free, P0 fixed by scale)
def model(params):
    p = params[:npn]; q = np.concatenate([params[npn:], ])
    return x*np.polyval(p[::-1], t)/np.polyval(q[::-1], t)
# start: P = Padé-ish by linear LSQ with Q0=1
A = np.concatenate([x[:,None]*t[:,None]**np.arange(npn), -(y[:,None]*t[:,None]**np.arange(1,nq))], axis=1)
coef,*_ = np.linalg.lstsq(A/y[:,None], np.ones_like(y), rcond=None)
p0 = coef[:npn]; q0 = np.concatenate([[1], coef[npn:]])
params = np.concatenate([p0, q0])
def res(pr, w):
    return w*(model(pr)-y)/y
w = np.ones_like(x)
for it in range(40):
    sol = least_squares(res, params, args=(w,), xtol=1e-15, ftol=1e-15, gtol=1e-15, max_nfev=2000)
    params = sol.x
    e = np.abs(model(params)-y)/y
    w = w * (1 + 10*e/e.max())  # Lawson-like reweighting toward the worst points
    w /= w.mean()
p = params[:npn]; q = params[npn:]
# normalise q0 = 1 (scale P, Q together)
p = p/q[0]; q = q/q[0]
print("double max rel", (np.abs(model(np.concatenate([p,q]))-y)/y).max())
print("Q roots (t):", np.roots(q[::-1]))
xf = np.linspace(-10, 10, 4000001).astype(np.float32)
xc = np.clip(xf, -c, c).astype(np.float32); tf = xc*xc
pf = p.astype(np.float32); qf = q.astype(np.float32)
Pv = np.full_like(tf, pf[-1])
for cc in pf[-2::-1]: Pv = (Pv*tf + cc).astype(np.float32)
Qv = np.full_like(tf, qf[-1])
for cc in qf[-2::-1]: Qv = (Qv*tf + cc).astype(np.float32)
r = (xc*Pv/Qv).astype(np.float32)
ref = np.tanh(xf.astype(np.float64))
rel = np.abs(r-ref)/np.maximum(np.abs(ref),1e-30)
print("float max rel %.3e at %g; max |r|=%g"%(rel.max(), xf[rel.argmax()], np.abs(r).max()))
print("p", [repr(float(v)) for v in pf]); print("q", [repr(float(v)) for v in qf])
