/**
 * What an attendant can do about a hopper's answer, in words. A hopper that
 * answers NAK to "dispense hopper coins" (167) right after accepting "enable
 * hopper" (164) almost always expects the other form of the command: the
 * serial-number form ([serial ×3][count]) or the plain one ([count]).
 */
export function dispenseNakAdvice(serialNumberDispense: boolean): string {
  return serialNumberDispense
    ? 'the hopper refused the dispense command (NAK); likely cause: it expects the plain form, so check devices.hopper.serialNumberDispense (now true) for this hopper'
    : 'the hopper refused the dispense command (NAK); likely cause: it expects the serial-number form, so check devices.hopper.serialNumberDispense (now false) for this hopper';
}
