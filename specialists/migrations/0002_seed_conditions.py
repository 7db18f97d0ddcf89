"""Seed the condition pages so every fresh database has them.

The text is frozen here on purpose (a migration must not change meaning later); after
this, administrators edit the pages in the Django admin. Existing pages with the same
slug are left alone, so re-running never overwrites an administrator's edits.

Plain text: a blank line starts a paragraph, "- " starts a bullet. Sources: "Title | URL".
"""

from django.db import migrations

EMERGENCY_GENERAL = """Call your local emergency number (for example 999, 911 or 112) straight away if you or someone with you has:
- chest pain, pressure or tightness, especially if it spreads to the arm, neck, jaw or back
- fainting or nearly fainting
- severe shortness of breath
- a very fast heartbeat that does not slow down, with feeling unwell
- sudden weakness of the face, arm or leg, or trouble speaking (signs of a stroke)"""

CONDITIONS = [
    # ---------------------------------------------------------------- beat types
    {
        "slug": "normal-beat",
        "title": "Normal heartbeat",
        "kind": "beat_type",
        "class_code": "NOR",
        "aami_class": "N",
        "position": 10,
        "directory_specialty": "general_practice",
        "summary": "A normal beat starts in the heart's natural pacemaker and travels through the heart the usual way.",
        "what_it_is": """Your heart has its own electrical system. Each beat starts in a small area at the top of the heart called the sinus node. It is the heart's natural pacemaker.

The signal spreads through the top chambers (the atria), then down special wiring to the bottom chambers (the ventricles). The heart squeezes and pumps blood.

When the model says a beat is "normal", it means the beat looks like it followed this usual path.""",
        "symptoms": """Normal beats do not cause symptoms.

It is still normal for your heart to speed up when you exercise, feel scared or excited, and to slow down when you rest or sleep.""",
        "causes": """There is nothing to cause. This is how a healthy heart works.

A result with mostly normal beats does not prove your heart is healthy. Some heart problems do not show up on a short recording, and some do not change the shape of single beats.""",
        "how_confirmed": """A doctor can look at a full ECG (electrocardiogram). This is a quick, painless test. Sticky pads on your chest record the heart's electrical signals.

If you have symptoms that come and go, a doctor may ask you to wear a small monitor for one or more days.""",
        "emergency": EMERGENCY_GENERAL
        + """

Do this even if your result showed only normal beats.""",
        "precautions": """Things that help keep a heart healthy:
- do not smoke or vape
- move your body most days
- eat plenty of vegetables, fruit and whole grains, and less salt
- keep alcohol low
- get your blood pressure checked
- talk to a doctor about any symptoms, even if a test looked normal""",
        "sources": """NHS: Electrocardiogram (ECG) | https://www.nhs.uk/conditions/electrocardiogram/
NHLBI: How the Heart Works | https://www.nhlbi.nih.gov/health/heart
American Heart Association: How the Healthy Heart Works | https://www.heart.org/en/health-topics/congenital-heart-defects/about-congenital-heart-defects/how-the-healthy-heart-works""",
    },
    {
        "slug": "left-bundle-branch-block",
        "title": "Left bundle branch block (LBBB)",
        "kind": "beat_type",
        "class_code": "LBB",
        "aami_class": "N",
        "position": 20,
        "directory_specialty": "cardiology",
        "summary": "The electrical signal to the left side of the heart is slowed down or blocked, so the left side squeezes a little late.",
        "what_it_is": """The heart's electrical signal travels to the bottom chambers along two paths. They are called the left and right bundle branches.

In left bundle branch block (LBBB), the left path is slow or blocked. The signal has to take a longer way round. The left side of the heart squeezes a little later than the right side. On an ECG, the beats look wider than normal.""",
        "symptoms": """LBBB itself often causes no symptoms. Many people find out by chance on an ECG.

If there is a heart problem behind it, you might notice:
- feeling tired or short of breath
- dizziness or fainting
- swollen ankles""",
        "causes": """LBBB is often a sign that the heart muscle has been under strain. Common causes are:
- high blood pressure over many years
- coronary artery disease or a past heart attack
- heart failure or a weak heart muscle (cardiomyopathy)
- a narrow aortic valve
- getting older

Sometimes no cause is found.""",
        "how_confirmed": """A doctor confirms it with a 12-lead ECG. They usually also check the heart with an ultrasound scan called an echocardiogram ("echo"). This shows how well the heart pumps.

They may do blood tests, or other tests to look at the heart's blood supply.""",
        "emergency": EMERGENCY_GENERAL
        + """

LBBB that is new, together with chest pain, can be a sign of a heart attack. Do not wait.""",
        "precautions": """- See your doctor about the result. They will want to know if the LBBB is new.
- Keep a copy of your ECG. It helps doctors compare later.
- Treat the cause: control blood pressure, stop smoking, and take medicines as prescribed.
- Some people with LBBB and a weak heart are helped by a special pacemaker. A heart specialist decides this.""",
        "sources": """American Heart Association: Bundle Branch Block | https://www.heart.org/en/health-topics/arrhythmia/about-arrhythmia/bundle-branch-block
NHLBI: Conduction Disorders | https://www.nhlbi.nih.gov/health/conduction-disorders
MedlinePlus: Arrhythmia | https://medlineplus.gov/arrhythmia.html""",
    },
    {
        "slug": "right-bundle-branch-block",
        "title": "Right bundle branch block (RBBB)",
        "kind": "beat_type",
        "class_code": "RBB",
        "aami_class": "N",
        "position": 30,
        "directory_specialty": "cardiology",
        "summary": "The electrical signal to the right side of the heart is slowed down or blocked. It is often harmless, but sometimes points to a heart or lung problem.",
        "what_it_is": """The heart's electrical signal reaches the bottom chambers along two paths, the left and right bundle branches.

In right bundle branch block (RBBB), the right path is slow or blocked. The right side of the heart squeezes a little late. On an ECG, the beats look wider and have a typical shape.""",
        "symptoms": """RBBB itself usually causes no symptoms. It is often found by chance.

If a heart or lung problem is behind it, you might have shortness of breath, tiredness, chest pain or fainting.""",
        "causes": """RBBB can be found in healthy people, including young and fit people. It also becomes more common with age.

Sometimes it is linked to:
- a blood clot in the lungs (pulmonary embolism)
- long-term lung disease
- a heart defect present from birth, such as a hole in the heart
- coronary artery disease or a heart attack
- heart muscle disease""",
        "how_confirmed": """A doctor confirms it with a 12-lead ECG. If you have symptoms, or other parts of the ECG are unusual, they may order an echocardiogram (an ultrasound scan of the heart) and other tests.""",
        "emergency": EMERGENCY_GENERAL
        + """

Sudden shortness of breath or chest pain with RBBB can be a sign of a blood clot in the lungs. This is an emergency.""",
        "precautions": """- Tell your doctor about the result, especially if you have symptoms.
- If you have no symptoms and tests are normal, often no treatment is needed.
- Keep a copy of your ECG so doctors can compare it later.""",
        "sources": """American Heart Association: Bundle Branch Block | https://www.heart.org/en/health-topics/arrhythmia/about-arrhythmia/bundle-branch-block
NHLBI: Conduction Disorders | https://www.nhlbi.nih.gov/health/conduction-disorders
MedlinePlus: Arrhythmia | https://medlineplus.gov/arrhythmia.html""",
    },
    {
        "slug": "atrial-premature-contraction",
        "title": "Atrial premature contraction (APC)",
        "kind": "beat_type",
        "class_code": "APC",
        "aami_class": "S",
        "position": 40,
        "directory_specialty": "electrophysiology",
        "summary": "An extra, early beat that starts in the top chambers of the heart. Very common and usually harmless.",
        "what_it_is": """An atrial premature contraction (APC) is a heartbeat that comes too early. It starts in the top chambers of the heart (the atria), but not in the usual spot.

After the early beat there is often a short pause. Then the normal rhythm carries on. APCs are also called premature atrial contractions (PACs) or atrial ectopic beats.""",
        "symptoms": """Most people do not feel them. Some people feel:
- a skipped or missed beat
- a flutter or a thump in the chest
- a pause, then a strong beat""",
        "causes": """Almost everyone has some APCs. They can happen more often with:
- caffeine (coffee, tea, energy drinks)
- alcohol or nicotine
- stress, worry or not enough sleep
- some cold medicines and other drugs
- heart or lung disease, or an overactive thyroid""",
        "how_confirmed": """A doctor looks at an ECG. Because APCs come and go, they may ask you to wear a small monitor for a day or longer (a Holter monitor). They may also check your blood and thyroid.

Very frequent APCs are sometimes linked to atrial fibrillation later, so your doctor may want to check your heart over time.""",
        "emergency": EMERGENCY_GENERAL,
        "precautions": """- Occasional APCs without other symptoms are usually harmless. Mention them at your next check-up.
- Cut down on caffeine, alcohol and nicotine and see if it helps.
- Try to sleep well and manage stress.
- See a doctor if you have many of them, if they bother you, or if you feel dizzy or breathless.""",
        "sources": """American Heart Association: Premature Contractions - PACs and PVCs | https://www.heart.org/en/health-topics/arrhythmia/about-arrhythmia/premature-contractions-pacs-and-pvcs
NHS: Heart palpitations | https://www.nhs.uk/conditions/heart-palpitations/
MedlinePlus: Arrhythmia | https://medlineplus.gov/arrhythmia.html""",
    },
    {
        "slug": "premature-ventricular-contraction",
        "title": "Premature ventricular contraction (PVC)",
        "kind": "beat_type",
        "class_code": "PVC",
        "aami_class": "V",
        "position": 50,
        "directory_specialty": "electrophysiology",
        "summary": "An extra, early beat that starts in the bottom chambers of the heart. Common, often harmless, but worth checking if frequent.",
        "what_it_is": """A premature ventricular contraction (PVC) is a heartbeat that comes too early. It starts in one of the bottom chambers (the ventricles) instead of the heart's natural pacemaker.

On an ECG the beat looks wide and different. It is often followed by a pause. PVCs are also called ventricular ectopic beats.""",
        "symptoms": """Many people feel nothing. Others feel:
- a skipped beat
- a thump or flip-flop in the chest
- a strong beat after a pause

Very frequent PVCs can sometimes make people tired or short of breath.""",
        "causes": """PVCs are common, even in healthy people. They happen more with:
- caffeine, alcohol, nicotine and some drugs
- stress, anxiety and poor sleep
- low levels of potassium or magnesium in the blood
- heart disease, such as a past heart attack, a weak heart muscle or high blood pressure""",
        "how_confirmed": """A doctor looks at a 12-lead ECG. They may ask you to wear a monitor for 24 hours or longer to count the PVCs. They may do blood tests and an echocardiogram (an ultrasound scan of the heart).

If there are very many PVCs, a doctor checks that the heart muscle is still pumping well.""",
        "emergency": EMERGENCY_GENERAL
        + """

Many PVCs in a row can turn into a dangerous fast rhythm. If someone collapses and is not breathing normally, call for help, start CPR and use a defibrillator (AED) if there is one.""",
        "precautions": """- Tell your doctor, especially if you have many PVCs, have symptoms, or have heart disease.
- Cut down on caffeine, alcohol and nicotine.
- Sleep well and find ways to manage stress.
- Do not stop or start medicines without asking your doctor.
- If PVCs are frequent, treatment with medicine or a procedure (ablation) may help. A heart rhythm specialist can advise.""",
        "sources": """American Heart Association: Premature Contractions - PACs and PVCs | https://www.heart.org/en/health-topics/arrhythmia/about-arrhythmia/premature-contractions-pacs-and-pvcs
NHS: Heart palpitations | https://www.nhs.uk/conditions/heart-palpitations/
NHLBI: Arrhythmias | https://www.nhlbi.nih.gov/health/arrhythmias""",
    },
    {
        "slug": "paced-beat",
        "title": "Paced beat",
        "kind": "beat_type",
        "class_code": "PAB",
        "aami_class": "Q",
        "position": 60,
        "directory_specialty": "electrophysiology",
        "summary": "A heartbeat started by an artificial pacemaker. Expected if you have one.",
        "what_it_is": """A pacemaker is a small device placed under the skin, usually below the collarbone. Thin wires lead from it to the heart. When the heart is too slow or pauses, the pacemaker sends a tiny electrical pulse. This makes the heart beat.

A paced beat is a beat started by the pacemaker. On an ECG it often shows a small sharp spike just before the beat.""",
        "symptoms": """Paced beats themselves cause no symptoms. They mean the pacemaker is doing its job.

If a pacemaker is not working well, people may feel dizzy, faint, very tired, short of breath, or have hiccups that do not stop.""",
        "causes": """People get a pacemaker when their heart beats too slowly or pauses. Common reasons are:
- a problem with the heart's natural pacemaker (sick sinus syndrome)
- heart block, where the signal does not reach the bottom chambers
- some people with heart failure get a special pacemaker

If you do not have a pacemaker, a "paced beat" result is most likely a mistake by the model or noise in the recording.""",
        "how_confirmed": """A doctor looks at an ECG. Pacemakers are checked in a pacemaker clinic, often once or twice a year. A technician can read the device with a wand held over the skin. Many pacemakers can also send checks from home.""",
        "emergency": EMERGENCY_GENERAL
        + """

If you have a pacemaker and you faint, or feel very dizzy or breathless, get help at once.""",
        "precautions": """- Go to all your pacemaker checks.
- Carry your pacemaker card.
- Keep mobile phones and headphones at least 15 cm (6 inches) from the pacemaker, for example by not keeping a phone in a chest pocket.
- Tell doctors, dentists and airport security that you have a pacemaker.
- If you do not have a pacemaker and the result shows paced beats, ask a doctor to look at a proper ECG.""",
        "sources": """NHS: Pacemaker implantation | https://www.nhs.uk/conditions/pacemaker-implantation/
NHLBI: Pacemakers | https://www.nhlbi.nih.gov/health/pacemakers
MedlinePlus: Pacemakers and Implantable Defibrillators | https://medlineplus.gov/pacemakersandimplantabledefibrillators.html""",
    },
    {
        "slug": "ventricular-escape-beat",
        "title": "Ventricular escape beat",
        "kind": "beat_type",
        "class_code": "VEB",
        "aami_class": "V",
        "position": 70,
        "directory_specialty": "electrophysiology",
        "summary": "A back-up beat from the bottom chambers when the usual signal comes too late. It can be a sign that the heart's rhythm is too slow.",
        "what_it_is": """Normally the top of the heart sends the signal for each beat. If that signal is very slow or does not arrive, the bottom chambers (the ventricles) can start a beat on their own. This is a back-up system. The beat is called an escape beat.

An escape beat comes late, after a pause. It is the heart protecting itself. But it tells a doctor that the usual signal was missing.""",
        "symptoms": """You may not notice escape beats. If the heart is often too slow, you may feel:
- dizzy or light-headed
- very tired
- short of breath
- faint, or you may pass out""",
        "causes": """Escape beats happen when the heart's normal pacemaker is slow or blocked. This can be caused by:
- heart block (the signal does not pass from the top to the bottom of the heart)
- a problem with the heart's natural pacemaker, often with age
- some medicines that slow the heart, such as beta blockers or digoxin
- a heart attack or heart muscle disease
- high potassium levels in the blood""",
        "how_confirmed": """A doctor looks at a 12-lead ECG and may ask you to wear a heart monitor for one or more days. Blood tests and a check of your medicines are common. Some people need a pacemaker.""",
        "emergency": EMERGENCY_GENERAL
        + """

Fainting, or a very slow pulse with dizziness or confusion, needs urgent help.""",
        "precautions": """- Show the result to a doctor soon, even if you feel well.
- Bring a list of all your medicines, including ones you buy yourself.
- Do not drive if you have fainted or nearly fainted, until a doctor says it is safe.""",
        "sources": """NHLBI: Conduction Disorders | https://www.nhlbi.nih.gov/health/conduction-disorders
American Heart Association: Bradycardia: Slow Heart Rate | https://www.heart.org/en/health-topics/arrhythmia/about-arrhythmia/bradycardia--slow-heart-rate
MedlinePlus: Arrhythmia | https://medlineplus.gov/arrhythmia.html""",
    },
    {
        "slug": "ventricular-flutter",
        "title": "Ventricular flutter",
        "kind": "beat_type",
        "class_code": "VFW",
        "aami_class": "",
        "position": 80,
        "directory_specialty": "electrophysiology",
        "summary": "A very fast, dangerous rhythm from the bottom chambers of the heart. A person with it usually collapses. This is a medical emergency.",
        "what_it_is": """In ventricular flutter, the bottom chambers of the heart (the ventricles) beat extremely fast, often more than 250 times a minute. At that speed the heart cannot fill with blood, so it cannot pump blood to the brain and body.

It often turns into ventricular fibrillation, where the heart only quivers. Without help, this causes death within minutes.

Important: movement, loose pads or electrical noise can make a recording look like flutter. If the person was awake and well during the recording, the result may be wrong. It still needs a doctor to check.""",
        "symptoms": """A person with ventricular flutter usually:
- collapses suddenly
- does not respond
- is not breathing normally
- has no pulse you can feel

Just before, some people feel a racing heart, chest pain or dizziness.""",
        "causes": """It usually happens in people with serious heart disease, such as:
- a heart attack, now or in the past
- a weak or thick heart muscle (cardiomyopathy)
- inherited rhythm problems, such as long QT syndrome

It can also be caused by some medicines, very low or high potassium, or an electric shock.""",
        "how_confirmed": """In an emergency, doctors and paramedics see it on a heart monitor. Afterwards, tests look for the cause. These may include ECGs, blood tests, an echocardiogram, heart scans and tests of the heart's blood vessels.

Many survivors get an implantable defibrillator (ICD). This device can shock the heart back into rhythm.""",
        "emergency": """If someone collapses and is not breathing normally:
- call your local emergency number (for example 999, 911 or 112) now
- start chest compressions (CPR): push hard and fast in the middle of the chest
- send someone for a defibrillator (AED) and use it. It talks you through each step.

If the recording was made when you felt well, still contact a doctor today and show them the result.""",
        "precautions": """- Learn CPR. It can save a life.
- Know where the nearest defibrillator (AED) is at home, work or school.
- If you have heart disease, take your medicines and go to your check-ups.
- If you have an ICD, follow your clinic's advice.""",
        "sources": """American Heart Association: Ventricular Fibrillation | https://www.heart.org/en/health-topics/arrhythmia/about-arrhythmia/ventricular-fibrillation
NHS: Cardiopulmonary resuscitation (CPR) | https://www.nhs.uk/conditions/first-aid/cpr/
NHLBI: Arrhythmias | https://www.nhlbi.nih.gov/health/arrhythmias""",
    },
    # ---------------------------------------------------------------- conditions
    {
        "slug": "atrial-fibrillation",
        "title": "Atrial fibrillation (AF)",
        "kind": "condition",
        "class_code": None,
        "aami_class": "",
        "position": 110,
        "directory_specialty": "electrophysiology",
        "summary": "An irregular and often fast heartbeat that starts in the top chambers. It raises the risk of stroke, and treatment lowers that risk.",
        "what_it_is": """In atrial fibrillation (AF), the top chambers of the heart (the atria) do not beat in a steady way. They quiver. The heartbeat becomes irregular and is often fast.

AF is the most common heart rhythm problem. It may come and go, or be there all the time.

Because blood does not flow well through the quivering atria, a blood clot can form. If a clot travels to the brain, it causes a stroke.""",
        "symptoms": """Some people feel nothing. Others notice:
- a heartbeat that feels irregular, fast, fluttering or pounding
- feeling tired or weak
- shortness of breath
- dizziness or feeling faint
- chest discomfort""",
        "causes": """AF becomes more common as people get older. Other risk factors are:
- high blood pressure
- coronary artery disease, heart failure or heart valve disease
- diabetes and obesity
- drinking a lot of alcohol, and binge drinking
- sleep apnoea (breathing stops for short times during sleep)
- an overactive thyroid
- lung disease""",
        "how_confirmed": """A doctor confirms AF with an ECG. If it comes and goes, you may wear a heart monitor for a day or more. You may have blood tests and an echocardiogram (an ultrasound scan of the heart).

A smartwatch or a site like this one can give a hint, but only a doctor reading an ECG can confirm AF.""",
        "emergency": EMERGENCY_GENERAL,
        "precautions": """- See a doctor soon. Treatment can lower your stroke risk a lot.
- Many people with AF take a blood thinner (anticoagulant) to prevent clots. Take it exactly as prescribed.
- Other medicines or procedures can control the heart rate or rhythm.
- Cut down on alcohol, stop smoking, stay active and keep a healthy weight.
- Get blood pressure and sleep apnoea treated.""",
        "sources": """NHS: Atrial fibrillation | https://www.nhs.uk/conditions/atrial-fibrillation/
NHLBI: Atrial Fibrillation | https://www.nhlbi.nih.gov/health/atrial-fibrillation
MedlinePlus: Atrial Fibrillation | https://medlineplus.gov/atrialfibrillation.html
American Heart Association: What is Atrial Fibrillation (AFib or AF)? | https://www.heart.org/en/health-topics/atrial-fibrillation/what-is-atrial-fibrillation-afib-or-af""",
    },
    {
        "slug": "heart-failure",
        "title": "Heart failure",
        "kind": "condition",
        "class_code": None,
        "aami_class": "",
        "position": 120,
        "directory_specialty": "heart_failure",
        "summary": "The heart does not pump blood as well as it should. It does not mean the heart has stopped. Treatment helps many people live well.",
        "what_it_is": """Heart failure means the heart is not pumping blood around the body as well as it should. The heart muscle may be too weak, or too stiff to fill properly.

It does not mean the heart has stopped or is about to stop. It is a long-term condition. With treatment, many people feel better and live for many years.""",
        "symptoms": """- shortness of breath, when active or when lying flat
- waking at night feeling breathless
- feeling very tired
- swollen ankles, legs or tummy
- putting on weight quickly from fluid
- a cough that does not go away""",
        "causes": """Heart failure is usually caused by other problems that damage the heart, such as:
- coronary artery disease and heart attacks
- high blood pressure
- heart muscle disease (cardiomyopathy)
- heart valve disease
- irregular heartbeats such as atrial fibrillation
- diabetes, heavy drinking and some medicines""",
        "how_confirmed": """A doctor listens to your heart and lungs and asks about symptoms. Tests include:
- a blood test called NT-proBNP
- an ECG
- an echocardiogram (an ultrasound scan of the heart), which shows how well the heart pumps
- sometimes a chest X-ray and more blood tests""",
        "emergency": EMERGENCY_GENERAL
        + """

Also get urgent help if you suddenly get much more breathless, cannot lie flat, or cough up pink, frothy mucus.""",
        "precautions": """- Take your medicines every day as prescribed. They can help you live longer.
- Weigh yourself every morning. Tell your care team if you gain weight fast (for example 2 kg, or 4 to 5 pounds, in a few days).
- Follow advice on salt and fluids.
- Stay active in the ways your team suggests.
- Stop smoking and keep alcohol low.
- Get your flu and other vaccines.""",
        "sources": """NHS: Heart failure | https://www.nhs.uk/conditions/heart-failure/
NHLBI: Heart Failure | https://www.nhlbi.nih.gov/health/heart-failure
MedlinePlus: Heart Failure | https://medlineplus.gov/heartfailure.html
American Heart Association: What is Heart Failure? | https://www.heart.org/en/health-topics/heart-failure/what-is-heart-failure""",
    },
    {
        "slug": "coronary-artery-disease",
        "title": "Coronary artery disease",
        "kind": "condition",
        "class_code": None,
        "aami_class": "",
        "position": 130,
        "directory_specialty": "cardiology",
        "summary": "The blood vessels that feed the heart get narrow. This can cause chest pain and heart attacks. It is also called coronary heart disease.",
        "what_it_is": """The heart muscle gets its blood from blood vessels called coronary arteries. In coronary artery disease, fatty material (plaque) builds up inside these arteries. They become narrow.

Less blood reaches the heart. This can cause chest pain (angina). If a piece of plaque breaks open, a clot can block the artery. That is a heart attack.""",
        "symptoms": """Some people have no symptoms until a heart attack. Others have:
- chest pain, pressure or tightness, often when active or stressed (angina)
- pain that spreads to the arms, neck, jaw, back or tummy
- shortness of breath
- feeling very tired

Women, older people and people with diabetes may have less typical symptoms, such as breathlessness, sickness or tiredness.""",
        "causes": """- smoking
- high blood pressure
- high cholesterol
- diabetes
- being overweight and not being active
- an unhealthy diet
- getting older, and a family history of early heart disease""",
        "how_confirmed": """A doctor asks about symptoms and risk factors. Tests may include:
- an ECG, at rest or during exercise
- blood tests for cholesterol and sugar
- a CT scan of the heart's arteries
- a coronary angiogram, where dye and X-rays show the arteries from the inside""",
        "emergency": EMERGENCY_GENERAL
        + """

If you think it is a heart attack, call for help first. Do not drive yourself to hospital.""",
        "precautions": """- Stop smoking. This is the biggest single help.
- Take medicines as prescribed, such as those for cholesterol and blood pressure.
- Be active most days, eat a heart-healthy diet, and keep a healthy weight.
- Keep diabetes under control.
- Know the signs of a heart attack and when to call for help.""",
        "sources": """NHS: Coronary heart disease | https://www.nhs.uk/conditions/coronary-heart-disease/
NHLBI: Coronary Heart Disease | https://www.nhlbi.nih.gov/health/coronary-heart-disease
MedlinePlus: Coronary Artery Disease | https://medlineplus.gov/coronaryarterydisease.html""",
    },
    {
        "slug": "high-blood-pressure",
        "title": "High blood pressure (hypertension)",
        "kind": "condition",
        "class_code": None,
        "aami_class": "",
        "position": 140,
        "directory_specialty": "general_practice",
        "summary": "Blood pushes too hard against the walls of the blood vessels. It rarely causes symptoms, but over time it harms the heart, brain and kidneys.",
        "what_it_is": """Blood pressure is how hard your blood pushes on the walls of your blood vessels. It is written as two numbers, such as 120/80.

High blood pressure (hypertension) means the pressure stays too high. Over years, this strains the heart and damages blood vessels. It raises the risk of heart attack, stroke, heart failure and kidney disease.""",
        "symptoms": """Most people with high blood pressure feel completely well. That is why it is called a "silent" condition. The only way to know is to have it measured.

Very high blood pressure can sometimes cause headaches, blurred vision or chest pain.""",
        "causes": """Often there is no single cause. Things that raise the risk are:
- eating too much salt
- being overweight
- not being active
- drinking too much alcohol
- smoking
- getting older
- a family history of high blood pressure
- kidney disease and some other conditions or medicines""",
        "how_confirmed": """A doctor or nurse measures your blood pressure with a cuff on your arm. One high reading is not enough. They check it several times, or ask you to measure it at home or wear a monitor for a day.

An ECG does not measure blood pressure. It can only show signs of strain on the heart.""",
        "emergency": EMERGENCY_GENERAL
        + """

Also get urgent help if a blood pressure reading is very high (for example 180/120 or more) and you have a severe headache, chest pain, blurred vision, confusion or weakness.""",
        "precautions": """- Get your blood pressure checked regularly. Many pharmacies can do it.
- Eat less salt and more vegetables and fruit.
- Be active most days.
- Keep a healthy weight, keep alcohol low and do not smoke.
- If you are prescribed medicine, take it every day, even when you feel fine.""",
        "sources": """NHS: High blood pressure (hypertension) | https://www.nhs.uk/conditions/high-blood-pressure-hypertension/
NHLBI: High Blood Pressure | https://www.nhlbi.nih.gov/health/high-blood-pressure
MedlinePlus: High Blood Pressure | https://medlineplus.gov/highbloodpressure.html""",
    },
    {
        "slug": "bradycardia",
        "title": "Bradycardia (slow heartbeat)",
        "kind": "condition",
        "class_code": None,
        "aami_class": "",
        "position": 150,
        "directory_specialty": "electrophysiology",
        "summary": "The heart beats slower than 60 times a minute at rest. This is normal for some people, but can be a problem if it causes symptoms.",
        "what_it_is": """Bradycardia means a slow heartbeat: fewer than 60 beats a minute while resting.

A slow heartbeat is normal for many fit people and during sleep. It becomes a problem when the heart is too slow to pump enough blood for the body.""",
        "symptoms": """Many people have none. When the heart is too slow, people can feel:
- tired or weak
- dizzy or light-headed
- short of breath
- confused
- faint, or they may pass out""",
        "causes": """- getting older, which can wear out the heart's natural pacemaker
- heart block, where signals do not pass from the top to the bottom of the heart
- medicines that slow the heart, such as beta blockers
- an underactive thyroid
- a heart attack or other heart disease
- high potassium levels
- sleep apnoea""",
        "how_confirmed": """A doctor checks your pulse and takes an ECG. You may wear a heart monitor for one or more days. Blood tests can check your thyroid and salts. Your doctor will look at your medicines.""",
        "emergency": EMERGENCY_GENERAL
        + """

A slow pulse with fainting, confusion or chest pain needs help at once.""",
        "precautions": """- If you feel well and are fit, a slow pulse is often normal. Mention it at your next check-up.
- See a doctor if you have symptoms such as dizziness or fainting.
- Do not stop a medicine without asking your doctor.
- Some people need a pacemaker. It works well and most people return to normal life.""",
        "sources": """American Heart Association: Bradycardia: Slow Heart Rate | https://www.heart.org/en/health-topics/arrhythmia/about-arrhythmia/bradycardia--slow-heart-rate
NHLBI: Conduction Disorders | https://www.nhlbi.nih.gov/health/conduction-disorders
NHS: Arrhythmia | https://www.nhs.uk/conditions/arrhythmia/""",
    },
    {
        "slug": "supraventricular-tachycardia",
        "title": "Supraventricular tachycardia (SVT)",
        "kind": "condition",
        "class_code": None,
        "aami_class": "",
        "position": 160,
        "directory_specialty": "electrophysiology",
        "summary": "Sudden bursts of a very fast, regular heartbeat that start above the bottom chambers. Usually not dangerous, and it can be treated.",
        "what_it_is": """Supraventricular tachycardia (SVT) is when the heart suddenly beats very fast, often 150 to 220 times a minute. It starts in or near the top chambers of the heart. It usually happens because of an extra electrical pathway or loop in the heart.

An episode can start and stop suddenly. It can last seconds or hours.""",
        "symptoms": """- a sudden racing or pounding heartbeat
- a feeling of pounding in the neck
- dizziness or light-headedness
- shortness of breath
- chest tightness
- feeling anxious or tired""",
        "causes": """SVT often happens in people with healthy hearts, including children and young adults. Many people are born with the extra pathway. Episodes can be set off by:
- caffeine, alcohol or energy drinks
- stress or tiredness
- smoking and some drugs""",
        "how_confirmed": """A doctor needs to see an ECG recorded during an episode. If episodes are short, you may wear a heart monitor or use a small recorder. A doctor may do an electrophysiology study, a test that maps the heart's electrical pathways.""",
        "emergency": EMERGENCY_GENERAL
        + """

Also get help quickly if an episode does not stop within about 15 minutes.""",
        "precautions": """- A doctor may teach you simple moves that can stop an episode, such as straining as if on the toilet (a "vagal manoeuvre"). Only do these if a doctor has shown you how.
- Cut down on caffeine and alcohol if they set off episodes.
- A small procedure called catheter ablation can cure many people. Medicines can also help.""",
        "sources": """NHS: Supraventricular tachycardia (SVT) | https://www.nhs.uk/conditions/supraventricular-tachycardia-svt/
American Heart Association: Tachycardia: Fast Heart Rate | https://www.heart.org/en/health-topics/arrhythmia/about-arrhythmia/tachycardia--fast-heart-rate
NHLBI: Arrhythmias | https://www.nhlbi.nih.gov/health/arrhythmias""",
    },
    {
        "slug": "long-qt-syndrome",
        "title": "Long QT syndrome",
        "kind": "condition",
        "class_code": None,
        "aami_class": "",
        "position": 170,
        "directory_specialty": "electrophysiology",
        "summary": "The heart takes longer than usual to recharge between beats. It can cause sudden fainting or a dangerous rhythm. It is often inherited.",
        "what_it_is": """After each beat, the heart's muscle cells need to recharge. On an ECG, this time is part of the "QT interval". In long QT syndrome, recharging takes too long.

This can sometimes set off a fast, chaotic heartbeat from the bottom chambers. That can cause fainting, seizures, or sudden death.""",
        "symptoms": """Many people have no symptoms. When there are symptoms, they often happen with exercise (especially swimming), a sudden loud noise such as an alarm, strong emotion, or during sleep:
- sudden fainting
- a seizure-like episode
- a racing heartbeat""",
        "causes": """- It can be passed down in families (inherited long QT).
- Some medicines can lengthen the QT interval, including some antibiotics, antidepressants and heart rhythm medicines.
- Low levels of potassium, magnesium or calcium in the blood.
- Some eating disorders and other illnesses.""",
        "how_confirmed": """A doctor measures the QT interval on a 12-lead ECG. They may use a heart monitor or an exercise test. If it may be inherited, genetic tests and ECGs for family members can help.

This site's model does not measure the QT interval. Only a proper ECG read by a doctor can find long QT.""",
        "emergency": EMERGENCY_GENERAL
        + """

Fainting during exercise or after a sudden loud noise needs urgent medical checks.""",
        "precautions": """- Always tell doctors and pharmacists that you have long QT before taking any new medicine.
- Keep your salts in balance: get help quickly if you have vomiting or diarrhoea.
- Take prescribed medicines (often beta blockers) every day.
- Ask a heart specialist which sports are safe for you.
- Family members may need to be checked too.""",
        "sources": """NHS: Long QT syndrome | https://www.nhs.uk/conditions/long-qt-syndrome/
American Heart Association: Long QT Syndrome | https://www.heart.org/en/health-topics/arrhythmia/about-arrhythmia/long-qt-syndrome
MedlinePlus: Arrhythmia | https://medlineplus.gov/arrhythmia.html""",
    },
]


def seed(apps, schema_editor):
    Condition = apps.get_model("specialists", "Condition")
    for entry in CONDITIONS:
        fields = dict(entry)
        slug = fields.pop("slug")
        code = fields.get("class_code")
        if code and Condition.objects.filter(class_code=code).exclude(slug=slug).exists():
            continue  # an administrator already made a page for this class
        Condition.objects.get_or_create(slug=slug, defaults=fields)


def unseed(apps, schema_editor):
    Condition = apps.get_model("specialists", "Condition")
    Condition.objects.filter(slug__in=[entry["slug"] for entry in CONDITIONS]).delete()


class Migration(migrations.Migration):
    dependencies = [("specialists", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
