using System;
using System.IO;
using System.Linq;
using RnnGen.TestKit;

// Usage: dotnet run -c Release --project tests/RnnGen.Conformance -- DIR [DIR ...]
// Each DIR holds cases.json and NAME.safetensors files (format: tests/data/README.md).
if (args.Length == 0 || args.Any(a => a is "-h" or "--help"))
{
    Console.Error.WriteLine("usage: RnnGen.Conformance DIR [DIR ...]   (each DIR holds cases.json and NAME.safetensors)");
    return 2;
}
string? missing = args.FirstOrDefault(dir => !File.Exists(Path.Combine(dir, "cases.json")));
if (missing is not null)
{
    Console.Error.WriteLine($"error: {Path.GetFullPath(missing)} has no cases.json");
    return 2;
}
try
{
    int failed = Conformance.Run(args, Console.Out);
    return failed == 0 ? 0 : 1;
}
catch (InvalidDataException exception)
{
    Console.Error.WriteLine($"error: {exception.Message}");
    return 2;
}
