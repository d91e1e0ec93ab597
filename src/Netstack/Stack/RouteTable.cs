using Netstack.Wire;

namespace Netstack.Stack;

/// <summary>
/// The stack's routes, looked up by longest prefix match. A default route is a route with prefix length 0.
/// </summary>
/// <remarks>
/// Routes are few (on-link prefixes and a default or two), so the table is an array kept sorted by prefix
/// length, longest first, and searched linearly: allocation-free and branch-predictable. Writers replace the
/// array (copy on write) so lookups on dispatcher threads take no lock.
/// </remarks>
internal sealed class RouteTable
{
    internal readonly record struct Entry(NetAddress Destination, int PrefixLength, int InterfaceId, NetAddress Gateway);

    private Entry[] _routes = [];
    private readonly Lock _lock = new();

    public Entry[] Routes => Volatile.Read(ref _routes);

    public void Add(NetAddress destination, int prefixLength, int interfaceId, NetAddress gateway)
    {
        lock (_lock)
        {
            var list = new List<Entry>(_routes) { new(destination.Mask(prefixLength), prefixLength, interfaceId, gateway) };
            // Stable sort by prefix length descending: among equal prefixes the first added wins.
            Entry[] sorted = [.. list.Select((e, i) => (e, i)).OrderByDescending(x => x.e.PrefixLength).ThenBy(x => x.i).Select(x => x.e)];
            Volatile.Write(ref _routes, sorted);
        }
    }

    public bool Remove(NetAddress destination, int prefixLength, int interfaceId)
    {
        lock (_lock)
        {
            Entry[] routes = _routes;
            int i = Array.FindIndex(routes, e => e.PrefixLength == prefixLength && e.InterfaceId == interfaceId && e.Destination == destination.Mask(prefixLength));
            if (i < 0)
            {
                return false;
            }
            Volatile.Write(ref _routes, [.. routes[..i], .. routes[(i + 1)..]]);
            return true;
        }
    }

    /// <summary>Finds the longest-prefix route containing <paramref name="destination"/>.</summary>
    public bool TryLookup(NetAddress destination, out Entry route)
    {
        Entry[] routes = Volatile.Read(ref _routes);
        for (int i = 0; i < routes.Length; i++)
        {
            if (destination.IsInPrefix(routes[i].Destination, routes[i].PrefixLength))
            {
                route = routes[i];
                return true;
            }
        }
        route = default;
        return false;
    }
}
