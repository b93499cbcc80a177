/**
 * What an instance knows about itself. It is alive as long as the process answers; it is ready
 * when it has finished warming up AND the operator has not taken it out of rotation.
 */
export interface InstanceState {
  /** True once the warm-up (loading caches, opening pools) is over. */
  warm: boolean;
  /** False while an operator drains the instance (PUT /admin/ready {"ready": false}). */
  inRotation: boolean;
}

export function newState(): InstanceState {
  return { warm: false, inRotation: true };
}
