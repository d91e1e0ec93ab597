using Netstack.Wire;

namespace Netstack.Stack;

/// <summary>Picks the counter for an ECN codepoint among the four Linux keeps per family (IpExt InNoECTPkts .. InCEPkts).</summary>
internal static class EcnCounters
{
    public static ref long Select(EcnCodepoint ecn, ref long notEct, ref long ect1, ref long ect0, ref long ce)
    {
        switch (ecn)
        {
            case EcnCodepoint.Ect1:
                return ref ect1;
            case EcnCodepoint.Ect0:
                return ref ect0;
            case EcnCodepoint.Ce:
                return ref ce;
            default:
                return ref notEct;
        }
    }
}
