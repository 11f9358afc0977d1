"""The SftTrainerTest instruction set ("uppercase X" / "reverse X", four random letters, one byte per
token, ChatML, loss on the assistant's tokens) trained in transformers + torch on the same tiny
Llama (hidden 128, 2 layers, 4/2 heads, tied), AdamW (decay 0.01 on matrices), 5% linear warm-up
then linear decay, clipping at 1.0, batch 16 — to see how fast the reference learns it.

    python sft_copy_task_torch.py STEPS LR BATCH SEED

Measured (2 cores): at 1e-3, token accuracy at step 500 was 0.985 / 0.848 / 1.0 for seeds 0 / 1 / 2;
at 3e-3 and above it stays near 0.36 for hundreds of steps. Not a fixture: nothing reads its output.
"""
import random, torch, sys, time
from transformers import LlamaConfig, LlamaForCausalLM
torch.manual_seed(int(sys.argv[4])); torch.set_num_threads(2)
steps=int(sys.argv[1]) if len(sys.argv)>1 else 1500
lr=float(sys.argv[2]) if len(sys.argv)>2 else 3e-3
bs=int(sys.argv[3]) if len(sys.argv)>3 else 16
L=4
r=random.Random(11)
def word():
    return ''.join(chr(97+r.randrange(26)) for _ in range(L))
def render(u,a):
    return f"<|im_start|>user\n{u}<|im_end|>\n<|im_start|>assistant\n", a+"<|im_end|>\n"
def ids(s):
    out=[];i=0
    while i<len(s):
        if s.startswith("<|im_start|>",i): out.append(257); i+=12
        elif s.startswith("<|im_end|>",i): out.append(258); i+=10
        else: out.append(ord(s[i])); i+=1
    return out
data=[]
for _ in range(4000):
    w=word(); ins='uppercase' if r.random()<.5 else 'reverse'
    a=w.upper() if ins=='uppercase' else w[::-1]
    p,c=render(ins+' '+w,a); pi=ids(p); ci=ids(c)
    x=pi+ci; lab=[-100]*len(pi)+ci
    data.append((x,lab))
val=data[:200]; train=data[200:]
cfg=LlamaConfig(vocab_size=259,hidden_size=128,intermediate_size=512,num_hidden_layers=2,num_attention_heads=4,num_key_value_heads=2,head_dim=32,max_position_embeddings=256,rms_norm_eps=1e-5,tie_word_embeddings=True)
m=LlamaForCausalLM(cfg)
nodecay=[p for n,p in m.named_parameters() if p.ndim<2]; decay=[p for n,p in m.named_parameters() if p.ndim>=2]
opt=torch.optim.AdamW([{'params':decay,'weight_decay':0.01},{'params':nodecay,'weight_decay':0.0}],lr=lr)
warm=int(0.05*steps)
sched=torch.optim.lr_scheduler.LambdaLR(opt,lambda s: (s+1)/warm if s<warm else max(0,(steps-s)/(steps-warm)))
def batch(ex):
    n=max(len(x) for x,_ in ex)
    X=torch.full((len(ex),n),256); Y=torch.full((len(ex),n),-100)
    for i,(x,l) in enumerate(ex): X[i,:len(x)]=torch.tensor(x); Y[i,:len(l)]=torch.tensor(l)
    return X,Y
t=time.time()
for s in range(steps):
    ex=[train[r.randrange(len(train))] for _ in range(bs)]
    X,Y=batch(ex)
    loss=m(input_ids=X,labels=Y).loss
    opt.zero_grad(); loss.backward(); torch.nn.utils.clip_grad_norm_(m.parameters(),1.0); opt.step(); sched.step()
    if (s+1)%125==0:
        with torch.no_grad():
            X,Y=batch(val); lg=m(input_ids=X).logits[:,:-1]; y=Y[:,1:]; mask=y!=-100
            acc=((lg.argmax(-1)==y)&mask).sum().item()/mask.sum().item()
        print(s+1, round(loss.item(),3), round(acc,3), round(time.time()-t,1), flush=True)
