using System;
using System.IO;
using System.Numerics;
using System.Reflection;

namespace RnnGen;

/// <summary>
/// Loads and saves a model's parameters as a safetensors file with PyTorch's state-dict names and shapes,
/// so weights move between RnnGen models and <c>torch.nn.RNN</c>-style PyTorch modules.
/// </summary>
public static class RnnWeights
{
    /// <summary>Loads every tensor the model names from the safetensors file at <paramref name="path"/>.</summary>
    /// <typeparam name="T">The model's element type.</typeparam>
    /// <param name="model">The model whose <see cref="IRnnModel{T}.Parameters"/> receive the weights.</param>
    /// <param name="path">The safetensors file.</param>
    /// <param name="options">How to match the file's names to the model's, or null for exactly the model's.</param>
    /// <exception cref="SafeTensorsException">The file is malformed, or a tensor is missing, has the wrong shape or dtype, or holds NaN or infinity (unless <see cref="WeightLoadOptions.AllowNonFinite"/>); the model is left unchanged.</exception>
    /// <exception cref="ArgumentException">The model's <see cref="IRnnModel{T}.ParameterTensors"/> do not fit its parameter buffer.</exception>
    /// <exception cref="IOException">The file cannot be opened or read.</exception>
    public static void Load<T>(IRnnModel<T> model, string path, WeightLoadOptions? options = null)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        using SafeTensorsReader reader = SafeTensorsReader.Open(path);
        Load(model, reader, options);
    }

    /// <summary>Loads every tensor the model names from the safetensors file that starts at <paramref name="stream"/>'s current position.</summary>
    /// <typeparam name="T">The model's element type.</typeparam>
    /// <param name="model">The model whose <see cref="IRnnModel{T}.Parameters"/> receive the weights.</param>
    /// <param name="stream">A readable, seekable stream; it stays open.</param>
    /// <param name="options">How to match the file's names to the model's, or null for exactly the model's.</param>
    /// <exception cref="SafeTensorsException">The file is malformed, or a tensor is missing, has the wrong shape or dtype, or holds NaN or infinity (unless <see cref="WeightLoadOptions.AllowNonFinite"/>); the model is left unchanged.</exception>
    /// <exception cref="ArgumentException">The model's <see cref="IRnnModel{T}.ParameterTensors"/> do not fit its parameter buffer, or the stream cannot read or seek.</exception>
    public static void Load<T>(IRnnModel<T> model, Stream stream, WeightLoadOptions? options = null)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        using var reader = new SafeTensorsReader(stream, leaveOpen: true);
        Load(model, reader, options);
    }

    /// <summary>
    /// Loads the weights file that the build embedded in <paramref name="assembly"/> (an <c>RnnGenWeights</c> item of its
    /// project, under the resource name <c>RnnGen.Weights/PATH</c>, its path as listed, with '/'): no file is read at run time, and NativeAOT and
    /// trimmed apps keep the resource. The generated <c>LoadEmbeddedWeights()</c> of a model declared with <c>Weights</c> calls this.
    /// </summary>
    /// <typeparam name="T">The model's element type.</typeparam>
    /// <param name="model">The model whose <see cref="IRnnModel{T}.Parameters"/> receive the weights.</param>
    /// <param name="assembly">The assembly that holds the resource: the model's own.</param>
    /// <param name="resourceName">The resource, <c>RnnGen.Weights/</c> and the file's path as the project lists it (with '/', no leading "./").</param>
    /// <param name="options">How to match the file's names to the model's, or null for exactly the model's.</param>
    /// <exception cref="InvalidOperationException">The assembly holds no such resource: its project does not list the file as an <c>RnnGenWeights</c> item.</exception>
    /// <exception cref="SafeTensorsException">As for a file: the model is then left unchanged.</exception>
    public static void LoadEmbedded<T>(IRnnModel<T> model, Assembly assembly, string resourceName, WeightLoadOptions? options = null)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(assembly);
        using Stream stream = assembly.GetManifestResourceStream(resourceName)
            ?? throw new InvalidOperationException($"{assembly.GetName().Name} embeds no resource '{resourceName}': list the weights file in its project as <RnnGenWeights Include=\"...\" /> (the RnnGen package's build step embeds every such file under RnnGen.Weights/ and its path as listed, with '/').");
        Load(model, stream, options);
    }

    /// <summary>
    /// Loads every tensor the model names from an open file. Each must exist with exactly the PyTorch shape
    /// [Rows, Columns] (or [Rows] for a vector) and dtype F32, F64, F16 or BF16 (half precision as <c>model.half()</c> or
    /// <c>model.to(torch.bfloat16)</c> saves it, widened exactly as PyTorch's <c>.float()</c> widens it; F64 rounds to nearest
    /// into a float model); tensors the model does not name are ignored.
    /// </summary>
    /// <remarks>
    /// The values are staged in a new buffer and copied into the model only once every tensor has been read,
    /// so a failed load leaves the model's parameters exactly as they were. Parameters that no tensor covers become zero.
    /// </remarks>
    /// <typeparam name="T">The model's element type.</typeparam>
    /// <param name="model">The model whose <see cref="IRnnModel{T}.Parameters"/> receive the weights.</param>
    /// <param name="reader">The open file; it stays open.</param>
    /// <param name="options">How to match the file's names to the model's, or null for exactly the model's.</param>
    /// <exception cref="SafeTensorsException">A tensor is missing, has the wrong shape or dtype or holds NaN or infinity (unless <see cref="WeightLoadOptions.AllowNonFinite"/>), or a module to find is in the file no times or several times; the model is left unchanged.</exception>
    /// <exception cref="ArgumentException">The model's <see cref="IRnnModel{T}.ParameterTensors"/> do not fit its parameter buffer.</exception>
    public static void Load<T>(IRnnModel<T> model, SafeTensorsReader reader, WeightLoadOptions? options = null)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(reader);
        Load(model.ParameterTensors, model.Parameters, reader, options);
    }

    /// <summary>Reads <paramref name="tensorList"/> from the file into <paramref name="parameters"/>, all or nothing (see the public Load).</summary>
    internal static void Load<T>(ReadOnlySpan<RnnParameterTensor> tensorList, Span<T> parameters, SafeTensorsReader reader, WeightLoadOptions? options)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        // Starting from zero lets an AddedBias entry add bias_hh onto the bias_ih its AsIs partner copied.
        var staged = new T[parameters.Length];
        RnnParameterTensor[] tensors = tensorList.ToArray();
        string[] names = ModuleNames.InFile(tensors, reader, options?.FindModules == true);
        if (options?.AllowUnexpectedTensors != true)
        {
            ModuleNames.EnsureNoneLeftOut(names, reader);
        }

        for (int i = 0; i < tensors.Length; i++)
        {
            RnnParameterTensor tensor = tensors[i];
            string name = names[i];
            EnsureFits(tensor, staged.Length);
            if (!reader.TryGetTensor(name, out SafeTensorInfo? info))
            {
                throw reader.CreateException($"Missing tensor '{name}': the model needs it with shape {tensor.ShapeText}.{ModuleNames.Hint(reader)}");
            }

            if (info.DType is not ("F32" or "F64" or "F16" or "BF16"))
            {
                throw reader.CreateException($"Tensor '{name}' has dtype {info.DType}, but model weights must be F32, F64, F16 or BF16.");
            }

            if (!HasShape(info, tensor))
            {
                throw reader.CreateException($"Tensor '{name}' has shape {info.ShapeText} in the file, but the model expects {tensor.ShapeText}.");
            }

            var values = new T[tensor.Length];
            reader.Read(name, values.AsSpan());
            if (options?.AllowNonFinite != true)
            {
                EnsureFinite<T>(values, name, info, reader);
            }

            Place(values, tensor, staged.AsSpan(tensor.Offset, tensor.Length));
        }

        staged.CopyTo(parameters);
    }

    /// <summary>
    /// Saves the model's parameters to <paramref name="path"/> atomically: the file is written to a temporary
    /// file in the same folder, flushed to disk and then moved over <paramref name="path"/>, so on failure
    /// an existing file is left untouched and the temporary file is deleted.
    /// </summary>
    /// <typeparam name="T">The model's element type.</typeparam>
    /// <param name="model">The model to save.</param>
    /// <param name="path">The file to create or replace.</param>
    /// <exception cref="ArgumentException">The model's <see cref="IRnnModel{T}.ParameterTensors"/> do not fit its parameter buffer, or <paramref name="path"/> names no file.</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void Save<T>(IRnnModel<T> model, string path)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => Save(model, path, static file => file);

    /// <summary>
    /// Writes the model's parameters as a safetensors file to <paramref name="stream"/>: every entry of
    /// <see cref="IRnnModel{T}.ParameterTensors"/> under its PyTorch name and shape (transposed matrices are
    /// written back in PyTorch's layout; an <see cref="RnnTensorLayout.AddedBias"/> entry is written as zeros, since
    /// its partner already holds the whole bias and PyTorch adds the two), with metadata <c>format</c> = <c>pt</c>
    /// and <c>generator</c> = <c>RnnGen</c>.
    /// </summary>
    /// <typeparam name="T">The model's element type.</typeparam>
    /// <param name="model">The model to save.</param>
    /// <param name="stream">A writable stream; it stays open.</param>
    /// <exception cref="ArgumentException">The model's <see cref="IRnnModel{T}.ParameterTensors"/> do not fit its parameter buffer.</exception>
    public static void Save<T>(IRnnModel<T> model, Stream stream)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(model);
        CreateWriter(model.ParameterTensors, model.Parameters).WriteTo(stream);
    }

    /// <summary>The atomic file save, with a seam that lets tests wrap the temporary file's stream (e.g. to fail midway).</summary>
    internal static void Save<T>(IRnnModel<T> model, string path, Func<Stream, Stream> wrapTemporaryFile)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        // A bad model fails here, before the disk is touched.
        ArgumentNullException.ThrowIfNull(model);
        SafeTensorsWriter writer = CreateWriter(model.ParameterTensors, model.Parameters);
        AtomicFile.Write(path, writer.WriteTo, wrapTemporaryFile);
    }

    /// <summary>A file of <paramref name="tensors"/> under their PyTorch names and shapes, from <paramref name="parameters"/> laid out as they say.</summary>
    internal static SafeTensorsWriter CreateWriter<T>(ReadOnlySpan<RnnParameterTensor> tensors, ReadOnlySpan<T> parameters)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var writer = new SafeTensorsWriter();
        writer.AddMetadata("format", "pt");
        writer.AddMetadata("generator", "RnnGen");
        foreach (RnnParameterTensor tensor in tensors)
        {
            EnsureFits(tensor, parameters.Length);
            var values = new T[tensor.Length];
            ReadOnlySpan<T> region = parameters.Slice(tensor.Offset, tensor.Length);
            switch (tensor.Layout)
            {
                case RnnTensorLayout.AsIs:
                    region.CopyTo(values);
                    break;
                case RnnTensorLayout.Transposed:
                    for (int row = 0; row < tensor.Rows; row++)
                    {
                        for (int column = 0; column < tensor.Columns; column++)
                        {
                            values[(row * tensor.Columns) + column] = region[(column * tensor.Rows) + row];
                        }
                    }

                    break;
                case RnnTensorLayout.AddedBias:
                    // Left at zero: the AsIs partner holds bias_ih + bias_hh already.
                    break;
            }

            long[] shape = tensor.Columns == 0 ? [tensor.Rows] : [tensor.Rows, tensor.Columns];
            writer.Add<T>(tensor.Name, values, shape);
        }

        return writer;
    }

    private static void Place<T>(ReadOnlySpan<T> values, RnnParameterTensor tensor, Span<T> region)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        switch (tensor.Layout)
        {
            case RnnTensorLayout.AsIs:
                values.CopyTo(region);
                break;
            case RnnTensorLayout.Transposed:
                for (int row = 0; row < tensor.Rows; row++)
                {
                    for (int column = 0; column < tensor.Columns; column++)
                    {
                        region[(column * tensor.Rows) + row] = values[(row * tensor.Columns) + column];
                    }
                }

                break;
            case RnnTensorLayout.AddedBias:
                for (int i = 0; i < region.Length; i++)
                {
                    region[i] += values[i];
                }

                break;
        }
    }

    /// <summary>Refuses a tensor with a NaN or infinity, naming its first one by its index in the file's shape.</summary>
    private static void EnsureFinite<T>(ReadOnlySpan<T> values, string name, SafeTensorInfo info, SafeTensorsReader reader)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int bad = 0;
        while (bad < values.Length && T.IsFinite(values[bad]))
        {
            bad++;
        }

        if (bad == values.Length)
        {
            return;
        }

        string index = info.Shape.Length == 2 ? $"[{bad / info.Shape[1]}, {bad % info.Shape[1]}]" : $"[{bad}]";
        string what = T.IsNaN(values[bad]) ? "NaN" : T.IsPositive(values[bad]) ? "+infinity" : "-infinity";

        // A finite F64 value beyond float's range becomes infinity only in a float model.
        string cause = info.DType == "F64" && typeof(T) == typeof(float) && !T.IsNaN(values[bad])
            ? " (or a value beyond float's range, which becomes infinity in a float model)"
            : string.Empty;
        throw reader.CreateException(
            $"Tensor '{name}' holds {what}{cause} at index {index}: every output of a model with a non-finite weight is NaN. " +
            "To load it anyway, pass new WeightLoadOptions { AllowNonFinite = true }.");
    }

    internal static bool HasShape(SafeTensorInfo info, RnnParameterTensor tensor) => tensor.Columns == 0
        ? info.Shape.Length == 1 && info.Shape[0] == tensor.Rows
        : info.Shape.Length == 2 && info.Shape[0] == tensor.Rows && info.Shape[1] == tensor.Columns;

    /// <summary>Rejects a descriptor that a generator bug could produce before it indexes out of range or silently drops values.</summary>
    private static void EnsureFits(RnnParameterTensor tensor, int parameterCount)
    {
        long length = tensor.Columns == 0 ? tensor.Rows : (long)tensor.Rows * tensor.Columns;
        bool knownLayout = tensor.Layout is RnnTensorLayout.AsIs or RnnTensorLayout.AddedBias
            || (tensor.Layout == RnnTensorLayout.Transposed && tensor.Columns > 0);
        bool fits = knownLayout
            && !string.IsNullOrEmpty(tensor.Name)
            && tensor.Rows >= 0
            && tensor.Columns >= 0
            && tensor.Offset >= 0
            && tensor.Offset + length <= parameterCount;
        if (!fits)
        {
            throw new ArgumentException(
                $"The model's parameter tensor '{tensor.Name}' ({tensor.Layout} {tensor.ShapeText} at offset {tensor.Offset}) does not fit its {parameterCount}-element parameter buffer.",
                "model");
        }
    }
}
