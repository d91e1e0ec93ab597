using Netstack.Stack;
namespace Netstack.Transport.Tcp;

/// <summary>
/// An equality comparer for <see cref="FourTuple"/> keys whose hash codes come from
/// <see cref="FourTuple.GetKeyedHash"/> under a per-stack secret, so a
/// <see cref="Dictionary{TKey, TValue}"/> used as the connection table resists hash flooding by remote
/// peers (the concern behind Linux's keyed <c>inet_ehashfn</c>).
/// </summary>
internal sealed class FourTupleComparer(SipHashKey key) : IEqualityComparer<FourTuple>
{
    public bool Equals(FourTuple x, FourTuple y) => x == y;

    public int GetHashCode(FourTuple obj)
    {
        ulong h = obj.GetKeyedHash(key);
        return (int)(h ^ (h >> 32));
    }
}
