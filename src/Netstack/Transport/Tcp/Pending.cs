// TODO(tcp): placeholder until the `tcpalg` branch's FourTuple lands; delete this file then.
namespace Netstack.Transport.Tcp
{
    public readonly record struct FourTuple(Wire.NetAddress LocalAddress, ushort LocalPort, Wire.NetAddress RemoteAddress, ushort RemotePort);
}
